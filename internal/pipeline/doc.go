// Package pipeline holds the tests that read .github/workflows/ci.yml as its
// first run on GitHub would execute it: every tool the Makefile needs
// installed first, one build, the same bytes deployed to both stages, a
// smoke test after each.
package pipeline
