package postgres

import (
	"context"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestDialerDetectsVanishedServers: connections probe an idle server and
// give up on one that stopped answering in bounded time (keepalives_idle,
// else 30 s, then 6 probes 10 s apart), and on Linux unacknowledged writes
// are bounded the same way (TCP_USER_TIMEOUT), checked on a real socket.
// (Linux only: the socket options are read back with x/sys/unix.)
func TestDialerDetectsVanishedServers(t *testing.T) {
	for _, tc := range []struct {
		idle int
		want time.Duration
	}{{0, 30 * time.Second}, {5, 5 * time.Second}} {
		d := dialer(config{KeepalivesIdle: tc.idle})
		ka := d.KeepAliveConfig
		if !ka.Enable || ka.Idle != tc.want || ka.Interval != keepaliveInterval || ka.Count != keepaliveCount {
			t.Errorf("keepalives_idle %d: keepalive config %+v", tc.idle, ka)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := dialer(config{KeepalivesIdle: 5}).DialContext(context.Background(), "tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var ms, idle int
	var gerr error
	if err := raw.Control(func(fd uintptr) {
		if ms, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT); gerr == nil {
			idle, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_KEEPIDLE)
		}
	}); err != nil || gerr != nil {
		t.Fatal(err, gerr)
	}
	if ms != int((5*time.Second+keepaliveInterval*keepaliveCount).Milliseconds()) || idle != 5 {
		t.Errorf("TCP_USER_TIMEOUT %d ms, TCP_KEEPIDLE %d s", ms, idle)
	}
}
