package postgres

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func writeFileFor(p, content string) error { return os.WriteFile(p, []byte(content), 0o644) }
func itoa(n int64) string                  { return strconv.FormatInt(n, 10) }
func sleepMs(n int)                        { time.Sleep(time.Duration(n) * time.Millisecond) }
func typeName(v any) string                { return fmt.Sprintf("%T", v) }
func fmtValue(v any) string                { return fmt.Sprint(v) }
