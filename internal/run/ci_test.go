package run

import (
	"testing"

	"gopkg.in/yaml.v3"
)

func TestNormalizeType(t *testing.T) {
	same := [][2]string{{"int", "INTEGER"}, {"int4", "integer"}, {"text", "VARCHAR"}, {"string", "varchar(20)"},
		{"numeric", "DECIMAL(18,3)"}, {"numeric(10, 2)", "DECIMAL(4,2)"}, {"timestamp", "TIMESTAMP"}, {"float8", "DOUBLE"}, {"bool", "BOOLEAN"}}
	for _, p := range same {
		if !typesMatch(p[0], p[1]) {
			t.Errorf("%s should match %s", p[0], p[1])
		}
	}
	diff := [][2]string{{"int", "BIGINT"}, {"text", "INTEGER"}, {"date", "TIMESTAMP"}, {"timestamp", "TIMESTAMP WITH TIME ZONE"}}
	for _, p := range diff {
		if typesMatch(p[0], p[1]) {
			t.Errorf("%s should not match %s", p[0], p[1])
		}
	}
}

func TestWarnErrorOptions(t *testing.T) {
	o, err := ParseWarnErrorOptions(`{"error": "all", "warn": ["LogTestResult"]}`, yaml.Unmarshal)
	if err != nil || o.Promotes("LogTestResult") || !o.Promotes("Other") {
		t.Errorf("%+v %v", o, err)
	}
	o, _ = ParseWarnErrorOptions(`{include: [LogTestResult]}`, yaml.Unmarshal)
	if !o.Promotes("LogTestResult") || o.Promotes("Other") {
		t.Errorf("include list: %+v", o)
	}
	var none *WarnErrorOptions
	if none.Promotes("LogTestResult") {
		t.Error("nil options promote")
	}
	for _, bad := range []string{`{"eror": "all"}`, `{"error": 3}`, `[1`} {
		if _, err := ParseWarnErrorOptions(bad, yaml.Unmarshal); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
