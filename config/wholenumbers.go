package config

import (
	"errors"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// wholeNumberProblems names every key of an int setting whose YAML value
// is not a whole number: the YAML library reads 1.5 into an int as 1
// without a word, and "proactive_per_day: 1.5" must not start as 1.
func wholeNumberProblems(raw []byte) error {
	var root yaml.Node
	if yaml.Unmarshal(raw, &root) != nil || len(root.Content) == 0 {
		return nil
	}
	var errs []error
	checkWholeNumbers(root.Content[0], reflect.TypeOf(Settings{}), "", &errs)
	return errors.Join(errs...)
}

// checkWholeNumbers walks mapping n alongside struct type t.
func checkWholeNumbers(n *yaml.Node, t reflect.Type, path string, errs *[]error) {
	if n.Kind != yaml.MappingNode || t.Kind() != reflect.Struct {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		f, ok := fieldByYAMLKey(t, k.Value)
		if !ok {
			continue
		}
		p := k.Value
		if path != "" {
			p = path + "." + k.Value
		}
		switch f.Type.Kind() {
		case reflect.Int, reflect.Int32, reflect.Int64:
			if f.Type.String() == "time.Duration" {
				continue
			}
			if v.Kind == yaml.ScalarNode && v.ShortTag() != "!!int" {
				*errs = append(*errs, keyErr(p, "%q is not a whole number", v.Value))
			}
		case reflect.Struct:
			checkWholeNumbers(v, f.Type, p, errs)
		}
	}
}

// fieldByYAMLKey is t's field whose yaml tag names key.
func fieldByYAMLKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
