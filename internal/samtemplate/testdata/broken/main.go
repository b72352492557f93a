// Package main does not build, on purpose: the template check must say so.
package main

func main() { undefined() }
