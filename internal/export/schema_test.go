package export

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// validate checks v (decoded with UseNumber) against a JSON schema, for
// the draft-07 keywords speedscope's file-format-schema.json uses. A
// keyword it does not know is an error, so that a new schema cannot pass
// unchecked.
func validate(root, schema map[string]any, v any, at string) error {
	keys := make([]string, 0, len(schema))
	for k := range schema {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := schema[k]
		switch k {
		case "title", "$schema", "definitions", "description":
		case "$ref":
			ref, _ := s.(string)
			name, ok := strings.CutPrefix(ref, "#/definitions/")
			defs, _ := root["definitions"].(map[string]any)
			def, found := defs[name].(map[string]any)
			if !ok || !found {
				return fmt.Errorf("%s: unresolvable $ref %q", at, ref)
			}
			if err := validate(root, def, v, at); err != nil {
				return err
			}
		case "type":
			if !hasType(v, s.(string)) {
				return fmt.Errorf("%s: want type %s, have %T", at, s, v)
			}
		case "required":
			obj, ok := v.(map[string]any)
			if !ok {
				continue
			}
			for _, r := range s.([]any) {
				if _, ok := obj[r.(string)]; !ok {
					return fmt.Errorf("%s: missing required %q", at, r)
				}
			}
		case "properties":
			obj, ok := v.(map[string]any)
			if !ok {
				continue
			}
			for name, ps := range s.(map[string]any) {
				if pv, ok := obj[name]; ok {
					if err := validate(root, ps.(map[string]any), pv, at+"."+name); err != nil {
						return err
					}
				}
			}
		case "items":
			arr, ok := v.([]any)
			if !ok {
				continue
			}
			for i, item := range arr {
				if err := validate(root, s.(map[string]any), item, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		case "anyOf":
			var errs []string
			ok := false
			for _, alt := range s.([]any) {
				err := validate(root, alt.(map[string]any), v, at)
				if err == nil {
					ok = true
					break
				}
				errs = append(errs, err.Error())
			}
			if !ok {
				return fmt.Errorf("%s: matches none of anyOf: %s", at, strings.Join(errs, "; "))
			}
		case "enum":
			found := false
			for _, e := range s.([]any) {
				if jsonEqual(e, v) {
					found = true
				}
			}
			if !found {
				return fmt.Errorf("%s: %v not in enum %v", at, v, s)
			}
		case "const":
			if !jsonEqual(s, v) {
				return fmt.Errorf("%s: %v is not the const %v", at, v, s)
			}
		default:
			return fmt.Errorf("%s: schema keyword %q is not supported by this checker", at, k)
		}
	}
	return nil
}

func hasType(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := n.Int64()
		return err == nil
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	}
	return false
}

func jsonEqual(a, b any) bool {
	if na, ok := a.(json.Number); ok {
		if nb, ok := b.(json.Number); ok {
			fa, _ := na.Float64()
			fb, _ := nb.Float64()
			return fa == fb
		}
	}
	return reflect.DeepEqual(a, b)
}

func decodeJSON(data []byte) (any, error) {
	d := json.NewDecoder(strings.NewReader(string(data)))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}
