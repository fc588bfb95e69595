package config

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// yamlProblems turns the YAML library's type errors ("line 3: cannot
// unmarshal !!str `soon` into time.Duration") into problems naming the key
// ("callbacks.retry_after[0]: "soon" is not a duration such as 5m"), found
// by the line and the text the library quotes; other errors, and lines it
// cannot place, keep the library's words under SWITCHBOARD_CONFIG.
func yamlProblems(raw []byte, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return keyErr("SWITCHBOARD_CONFIG", "YAML: %v", err)
	}
	var root yaml.Node
	if yaml.Unmarshal(raw, &root) != nil {
		return keyErr("SWITCHBOARD_CONFIG", "YAML: %v", err)
	}
	var errs []error
	for _, msg := range te.Errors {
		errs = append(errs, placeProblem(&root, msg))
	}
	return errors.Join(errs...)
}

var (
	unknownField = regexp.MustCompile("^line (\\d+): field (\\S+) not found in type \\S+$")
	wrongType    = regexp.MustCompile("^line (\\d+): cannot unmarshal !!\\w+ `(.*)` into (\\S+)$")
	// wrongShape is a list or a map where something else belongs: the
	// library quotes no value.
	wrongShape = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(seq|map) into (\\S+)$")
)

// typeWords say what a Go type wants, for a wrong value.
var typeWords = map[string]string{
	"time.Duration": "a duration such as 5m or 1h30m",
	"bool":          "true or false",
	"int":           "a whole number",
	"string":        "a text",
	"[]string":      "a list such as [thank*, cheers]",
	"label.Rules":   "a map of label to language to keywords, such as {thanks: {en: [thank*]}}",
}

// placeProblem names the key of one type error message.
func placeProblem(root *yaml.Node, msg string) error {
	if m := unknownField.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if path, ok := findNode(root, "", line, m[2], true); ok {
			return keyErr(path, "is not a known key")
		}
	}
	if m := wrongType.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		want, ok := typeWords[m[3]]
		if !ok {
			want = "a " + strings.TrimPrefix(m[3], "config.")
		}
		if path, ok := findNode(root, "", line, m[2], false); ok {
			return keyErr(path, "%q is not %s", m[2], want)
		}
	}
	if m := wrongShape.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		want, ok := typeWords[m[3]]
		if !ok {
			want = "a " + strings.TrimPrefix(m[3], "config.")
		}
		shape := map[string]string{"seq": "a list", "map": "a map"}[m[2]]
		if path, ok := findShape(root, "", line); ok {
			return keyErr(path, "is %s; want %s", shape, want)
		}
	}
	return keyErr("SWITCHBOARD_CONFIG", "YAML: %s", msg)
}

// findNode finds, under n at path, the key (wantKey) or the value on line
// whose text is text, and returns its dotted path ("callbacks.retry_after[0]").
func findNode(n *yaml.Node, path string, line int, text string, wantKey bool) (string, bool) {
	return findPath(n, path, func(key, v *yaml.Node) bool {
		if wantKey {
			return key != nil && key.Line == line && key.Value == text
		}
		return v.Kind == yaml.ScalarNode && v.Line == line && v.Value == text
	})
}

// findShape finds, under n at path, the key whose list or map value starts
// on line, the innermost when several do, and returns its dotted path.
func findShape(n *yaml.Node, path string, line int) (string, bool) {
	return findPath(n, path, func(key, v *yaml.Node) bool {
		return key != nil && (v.Kind == yaml.SequenceNode || v.Kind == yaml.MappingNode) && v.Line == line
	})
}

// findPath walks the values under n, each below its dotted path, children
// first, and returns the path of the first that match takes; key is the
// value's key node, nil for a list item.
func findPath(n *yaml.Node, path string, match func(key, v *yaml.Node) bool) (string, bool) {
	visit := func(key, v *yaml.Node, p string) (string, bool) {
		if found, ok := findPath(v, p, match); ok {
			return found, true
		}
		return p, match(key, v)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if p, ok := findPath(c, path, match); ok {
				return p, true
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if path != "" {
				p = path + "." + p
			}
			if found, ok := visit(n.Content[i], n.Content[i+1], p); ok {
				return found, true
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if found, ok := visit(nil, c, fmt.Sprintf("%s[%d]", path, i)); ok {
				return found, true
			}
		}
	}
	return "", false
}
