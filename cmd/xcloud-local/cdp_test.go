//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// A minimal client of the Chrome DevTools Protocol over --remote-debugging-pipe
// (commands on the browser's fd 3, answers and events on its fd 4, each
// message JSON ended by a NUL byte): enough to load a page, run JavaScript in
// it, watch its network requests and take screenshots, with nothing but
// Chromium and the standard library.

type cdpMessage struct {
	ID        int64           `json:"id,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// browser is a headless Chromium and the page it opened at start.
type browser struct {
	cmd    *exec.Cmd
	output *syncWriter // its stdout and stderr
	in     *os.File    // the browser's fd 3
	page   string      // the session of the page

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan cdpMessage
	closed  error // why the pipe closed, once it has

	netMu    sync.Mutex
	requests []netRequest
	blocked  map[string]string // session+request id: blockedReason
	logs     []string          // console and log entries, errors and security first
}

// netRequest is a request the page (or a worker or frame of it) sent or tried.
type netRequest struct {
	key, url, kind string
}

// startBrowser runs chromium headless with its window of width x height
// and attaches to its page, recording every request the page makes.
// extraFlags are added to the command line.
func startBrowser(ctx context.Context, chromium, profile string, width, height int, extraFlags ...string) (*browser, error) {
	cmdIn, in, err := os.Pipe() // we write, the browser reads on its fd 3
	if err != nil {
		return nil, err
	}
	out, cmdOut, err := os.Pipe() // the browser writes on its fd 4, we read
	if err != nil {
		return nil, err
	}
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-default-apps",
		"--disable-sync", "--no-first-run", "--no-default-browser-check", "--mute-audio", "--hide-scrollbars",
		"--remote-debugging-pipe", "--user-data-dir=" + profile,
		fmt.Sprintf("--window-size=%d,%d", width, height),
	}, extraFlags...)
	b := &browser{
		cmd:     exec.Command(chromium, append(args, "about:blank")...),
		output:  &syncWriter{w: &bytes.Buffer{}},
		in:      in,
		pending: map[int64]chan cdpMessage{},
		blocked: map[string]string{},
	}
	b.cmd.ExtraFiles = []*os.File{cmdIn, cmdOut}
	b.cmd.Stdout, b.cmd.Stderr = b.output, b.output
	b.cmd.WaitDelay = 2 * time.Second // its children may hold the output open a little longer
	// Its own process group: Close can end the browser and all its children.
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := b.cmd.Start(); err != nil {
		in.Close()
		out.Close()
		cmdIn.Close()
		cmdOut.Close()
		return nil, err
	}
	cmdIn.Close()
	cmdOut.Close()
	go b.read(out)

	var targets struct {
		TargetInfos []struct {
			TargetID string `json:"targetId"`
			Type     string `json:"type"`
		} `json:"targetInfos"`
	}
	if err := b.call(ctx, "", "Target.getTargets", nil, &targets); err != nil {
		b.Close()
		return nil, err
	}
	target := ""
	for _, t := range targets.TargetInfos {
		if t.Type == "page" {
			target = t.TargetID
		}
	}
	if target == "" {
		b.Close()
		return nil, errors.New("chromium opened no page")
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target, "flatten": true}, &attached); err != nil {
		b.Close()
		return nil, err
	}
	b.page = attached.SessionID
	if err := b.watch(ctx, b.page); err != nil {
		b.Close()
		return nil, err
	}
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable"} {
		if err := b.call(ctx, b.page, m, nil, nil); err != nil {
			b.Close()
			return nil, err
		}
	}
	return b, nil
}

// watch records the network requests of a session, and attaches to its
// workers and frames in their own processes, so that none of their requests
// is missed.
func (b *browser) watch(ctx context.Context, session string) error {
	if err := b.call(ctx, session, "Network.enable", nil, nil); err != nil {
		return err
	}
	return b.call(ctx, session, "Target.setAutoAttach", map[string]any{
		"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true,
	}, nil)
}

func (b *browser) read(out *os.File) {
	defer out.Close()
	r := bufio.NewReader(out)
	for {
		raw, err := r.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.closed = fmt.Errorf("chromium's DevTools pipe closed: %v", err)
			for id, ch := range b.pending {
				close(ch)
				delete(b.pending, id)
			}
			b.mu.Unlock()
			return
		}
		var m cdpMessage
		if err := json.Unmarshal(raw[:len(raw)-1], &m); err != nil {
			continue
		}
		if m.ID != 0 {
			b.mu.Lock()
			ch := b.pending[m.ID]
			delete(b.pending, m.ID)
			b.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		b.event(m)
	}
}

// event records what the page requests and logs.
func (b *browser) event(m cdpMessage) {
	b.netMu.Lock()
	defer b.netMu.Unlock()
	switch m.Method {
	case "Network.requestWillBeSent":
		var p struct {
			RequestID string `json:"requestId"`
			Type      string `json:"type"`
			Request   struct {
				URL string `json:"url"`
			} `json:"request"`
		}
		if json.Unmarshal(m.Params, &p) == nil {
			b.requests = append(b.requests, netRequest{key: m.SessionID + "/" + p.RequestID, url: p.Request.URL, kind: p.Type})
		}
	case "Network.loadingFailed":
		var p struct {
			RequestID     string `json:"requestId"`
			BlockedReason string `json:"blockedReason"`
		}
		if json.Unmarshal(m.Params, &p) == nil && p.BlockedReason != "" {
			b.blocked[m.SessionID+"/"+p.RequestID] = p.BlockedReason
		}
	case "Log.entryAdded":
		var p struct {
			Entry struct{ Source, Level, Text string } `json:"entry"`
		}
		if json.Unmarshal(m.Params, &p) == nil {
			b.logs = append(b.logs, p.Entry.Level+" ("+p.Entry.Source+"): "+p.Entry.Text)
		}
	case "Runtime.exceptionThrown":
		var p struct {
			Details struct {
				Text      string `json:"text"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		if json.Unmarshal(m.Params, &p) == nil {
			b.logs = append(b.logs, "exception: "+p.Details.Text+" "+p.Details.Exception.Description)
		}
	case "Target.attachedToTarget":
		var p struct {
			SessionID string `json:"sessionId"`
		}
		if json.Unmarshal(m.Params, &p) == nil {
			// Not from the reading goroutine: the calls wait for answers it reads.
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				b.watch(ctx, p.SessionID)
				b.call(ctx, p.SessionID, "Runtime.runIfWaitingForDebugger", nil, nil)
			}()
		}
	}
}

// call sends a command to session ("" for the browser) and decodes its
// result into result, unless nil.
func (b *browser) call(ctx context.Context, session, method string, params, result any) error {
	b.mu.Lock()
	if b.closed != nil {
		b.mu.Unlock()
		return b.closed
	}
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMessage, 1)
	b.pending[id] = ch
	b.mu.Unlock()

	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	raw, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if _, err := b.in.Write(append(raw, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			b.mu.Lock()
			defer b.mu.Unlock()
			return fmt.Errorf("%s: %w", method, b.closed)
		}
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.pending, id)
		b.mu.Unlock()
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// eval runs a JavaScript expression in the page, awaiting it if it is a
// promise, and decodes its value (JSON) into result, unless nil.
func (b *browser) eval(ctx context.Context, expression string, result any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := b.call(ctx, b.page, "Runtime.evaluate", map[string]any{
		"expression": expression, "awaitPromise": true, "returnByValue": true,
	}, &r); err != nil {
		return err
	}
	if e := r.ExceptionDetails; e != nil {
		return fmt.Errorf("javascript: %s %s", e.Text, e.Exception.Description)
	}
	if result != nil {
		return json.Unmarshal(r.Result.Value, result)
	}
	return nil
}

// waitFor evaluates a JavaScript condition until it is true, for at most
// timeout. Errors (a page being replaced, say) count as false.
func (b *browser) waitFor(ctx context.Context, timeout time.Duration, condition string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		var ok bool
		err := b.eval(ctx, "Boolean("+condition+")", &ok)
		if err == nil && ok {
			return nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return fmt.Errorf("waiting %s for %s: %w (last: %v)", timeout, condition, ctx.Err(), err)
			}
			return fmt.Errorf("waiting %s for %s: %w", timeout, condition, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// navigate loads url in the page, as a new document, and waits for it to load.
func (b *browser) navigate(ctx context.Context, url string) error {
	for _, u := range []string{"about:blank", url} { // about:blank first: a new hash alone would not reload
		if err := b.call(ctx, b.page, "Page.navigate", map[string]any{"url": u}, nil); err != nil {
			return err
		}
		quoted, _ := json.Marshal(u)
		if err := b.waitFor(ctx, 15*time.Second, "location.href === "+string(quoted)+` && document.readyState === "complete"`); err != nil {
			return err
		}
	}
	return nil
}

// screenshot saves the page's viewport as a PNG file.
func (b *browser) screenshot(ctx context.Context, path string) error {
	var r struct {
		Data string `json:"data"`
	}
	if err := b.call(ctx, b.page, "Page.captureScreenshot", map[string]any{"format": "png"}, &r); err != nil {
		return err
	}
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

// Requests returns what the page requested so far, and the reason each
// blocked one was blocked ("csp" for the page's Content-Security-Policy).
func (b *browser) Requests() ([]netRequest, map[string]string) {
	b.netMu.Lock()
	defer b.netMu.Unlock()
	blocked := make(map[string]string, len(b.blocked))
	for k, v := range b.blocked {
		blocked[k] = v
	}
	return append([]netRequest(nil), b.requests...), blocked
}

// Logs returns the page's console and log entries so far.
func (b *browser) Logs() []string {
	b.netMu.Lock()
	defer b.netMu.Unlock()
	return append([]string(nil), b.logs...)
}

// Close asks the browser to close, then ends its process group.
func (b *browser) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	b.call(ctx, "", "Browser.close", nil, nil)
	b.in.Close()
	exited := make(chan struct{})
	go func() { b.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
	}
	syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL) // what is left of its group
	<-exited
}

// syncWriter serialises writes (the browser's stdout and stderr share it).
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}
