package adapters

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// CredString reads a profile value as text: YAML may have typed it as a
// number or boolean (a port, a database named 2024), and a rendered
// env_var() is always text.
func CredString(key string, v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case fmt.Stringer:
		return v.String(), nil
	case int, int64, float64, bool:
		return fmt.Sprint(v), nil
	}
	return "", fmt.Errorf("%s must be a string, got %T", key, v)
}

// CredInt reads a profile value as a whole number (threads, port, timeouts),
// accepting the text a rendered env_var() produces.
func CredInt(key string, v any) (int, error) {
	switch v := v.(type) {
	case int:
		return v, nil
	case int64:
		return int(v), nil
	case float64:
		if v == math.Trunc(v) {
			return int(v), nil
		}
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%s must be an integer, got %v", key, v)
}

// CredField reads the first of keys (spellings of one setting, such as
// "user" and "username") that the output sets, as text; "" when none is set.
func CredField(f map[string]any, keys ...string) (string, error) {
	for _, k := range keys {
		if v, ok := f[k]; ok && v != nil {
			return CredString(k, v)
		}
	}
	return "", nil
}

// CredIntMin reads key, when the output sets it, into dst as a whole
// number of at least min.
func CredIntMin(f map[string]any, key string, dst *int, min int) error {
	v, ok := f[key]
	if !ok || v == nil {
		return nil
	}
	n, err := CredInt(key, v)
	if err != nil {
		return err
	}
	if n < min {
		return fmt.Errorf("%s must be at least %d, got %d", key, min, n)
	}
	*dst = n
	return nil
}
