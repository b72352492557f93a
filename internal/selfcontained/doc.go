// Package selfcontained holds the test that keeps the repository standing on its own: no tracked file may point at documents outside it.
package selfcontained
