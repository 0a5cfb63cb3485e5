package postgres

import (
	"net"
	"syscall"
	"time"
)

// A server that vanishes (a host that lost power, a network partition, a
// paused VM) sends no FIN or RST: without help the socket waits for an
// answer for hours (Linux's keepalive starts after 2 h idle). kiln's dialer
// therefore probes an idle connection after keepalives_idle (default
// 30 s) every keepaliveInterval, gives up after keepaliveCount unanswered
// probes, and (Linux) bounds unacknowledged writes with TCP_USER_TIMEOUT, so
// a dead peer fails the running statement within about a minute and a half
// instead of hanging the run. A server that is alive but slow is not
// affected: probes are answered by its kernel, however long a query runs.
const (
	defaultKeepaliveIdle = 30 * time.Second
	keepaliveInterval    = 10 * time.Second
	keepaliveCount       = 6
)

// dialer is the network dialer for cfg's connections.
func dialer(cfg config) *net.Dialer {
	idle := defaultKeepaliveIdle
	if cfg.KeepalivesIdle > 0 {
		idle = time.Duration(cfg.KeepalivesIdle) * time.Second
	}
	userTimeout := idle + keepaliveInterval*keepaliveCount
	return &net.Dialer{
		KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: idle, Interval: keepaliveInterval, Count: keepaliveCount},
		Control: func(network, address string, c syscall.RawConn) error {
			if network == "unix" {
				return nil
			}
			var serr error
			if err := c.Control(func(fd uintptr) { serr = setUserTimeout(fd, userTimeout) }); err != nil {
				return err
			}
			return serr
		},
	}
}
