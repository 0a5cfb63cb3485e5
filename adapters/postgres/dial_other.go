//go:build !linux

package postgres

import "time"

// setUserTimeout: TCP_USER_TIMEOUT is Linux's; elsewhere the keepalive
// settings alone detect a vanished server.
func setUserTimeout(fd uintptr, d time.Duration) error { return nil }
