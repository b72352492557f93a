package main

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
)

// The paths the local server adds for people, beside the API: they are not
// API Gateway routes, and are not in template.yaml.
const (
	docsPath = "/docs"         // the API reference page, built by make docs
	specPath = "/openapi.yaml" // the OpenAPI description it is rendered from
)

// withDocs answers GET and HEAD of /docs with the file page and of
// /openapi.yaml with the file spec, and hands every other request to api,
// untouched. The files are read on each request, so that a make docs while
// the server runs shows; an empty path leaves that route to api.
func withDocs(api http.Handler, page, spec string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			switch {
			case r.URL.Path == docsPath && page != "":
				serveFile(w, r, page, "text/html; charset=utf-8", "run `make docs` to build it")
				return
			case r.URL.Path == docsPath+"/" && page != "":
				http.Redirect(w, r, docsPath, http.StatusMovedPermanently)
				return
			case r.URL.Path == specPath && spec != "":
				serveFile(w, r, spec, "application/yaml", "run xcloud-local from the repository's root, or give -openapi")
				return
			}
		}
		api.ServeHTTP(w, r)
	})
}

// serveFile answers with the file at path as contentType, or with a 404
// in plain text that names the file and says what to do when it is missing.
func serveFile(w http.ResponseWriter, r *http.Request, path, contentType, hint string) {
	f, err := os.Open(path)
	var info fs.FileInfo
	if err == nil {
		defer f.Close()
		if info, err = f.Stat(); err == nil && info.IsDir() {
			err = fs.ErrNotExist
		}
	}
	if err != nil {
		status, message := http.StatusInternalServerError, "cannot read "+path+"\n"
		if errors.Is(err, fs.ErrNotExist) {
			status, message = http.StatusNotFound, path+" not found: "+hint+"\n"
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(status)
		io.WriteString(w, message)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-cache") // revalidate: make docs may rebuild it
	http.ServeContent(w, r, path, info.ModTime(), f)
}
