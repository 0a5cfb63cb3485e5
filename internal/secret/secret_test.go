package secret

import (
	"bytes"
	"strings"
	"testing"
)

func TestScrub(t *testing.T) {
	Register("tok-\"quoted\"<1>", "  ", "s3cr3t-value", "s3cr3t")
	for in, want := range map[string]string{
		"password s3cr3t-value and s3cr3t":        "password ***** and *****",
		`{"v": "tok-\"quoted\"\u003c1\u003e"}`:    `{"v": "*****"}`,
		`{"v": "tok-\"quoted\"<1>"}`:              `{"v": "*****"}`,
		"raw tok-\"quoted\"<1> here":              "raw ***** here",
		"nothing secret here, just spaces:   end": "nothing secret here, just spaces:   end",
	} {
		if got := Scrub(in); got != want {
			t.Errorf("Scrub(%q) = %q, want %q", in, got, want)
		}
	}
	if !IsName("DBT_ENV_SECRET_TOKEN") || !IsName("DBT_ENV_SECRET") || IsName("DBT_ENV_CUSTOM_ENV_X") {
		t.Error("IsName")
	}
	if got := FromEnviron([]string{"DBT_ENV_SECRET_A=x1", "DBT_ENV_SECRET_B= ", "HOME=/root", "DBT_ENV_SECRETX=x2"}); strings.Join(got, ",") != "x1,x2" {
		t.Errorf("FromEnviron = %v", got)
	}
}

// TestWriterSplitsAnywhere writes a text holding secrets in every possible
// pair of chunks: the secret is masked wherever the split falls.
func TestWriterSplitsAnywhere(t *testing.T) {
	Register("s3cr3t-value", "s3cr3t")
	text := "a s3cr3t-value b s3cr3t c s3cr3t-valu s3cr3t-value"
	want := "a ***** b ***** c *****-valu *****"
	for i := 0; i <= len(text); i++ {
		for j := i; j <= len(text); j++ {
			var out bytes.Buffer
			w := NewWriter(&out)
			for _, part := range []string{text[:i], text[i:j], text[j:]} {
				if _, err := w.Write([]byte(part)); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if out.String() != want {
				t.Fatalf("split at %d,%d: %q, want %q", i, j, out.String(), want)
			}
		}
	}
	var out bytes.Buffer
	if _, err := Lines(&out).Write([]byte("line with s3cr3t\n")); err != nil || out.String() != "line with *****\n" {
		t.Errorf("Lines: %q, %v", out.String(), err)
	}
}
