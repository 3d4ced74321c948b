package native

import "strings"

// Error is an error reply from the engine. Its text is Redis's exactly.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// Is matches the sentinels below by the reply's error code (the first word).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return code(e.Msg) == code(t.Msg)
}

func code(msg string) string {
	c, _, _ := strings.Cut(msg, " ")
	return c
}

// Sentinels for errors.Is, one per Redis error code.
var (
	ErrWrongType = &Error{"WRONGTYPE"}
	ErrExecAbort = &Error{"EXECABORT"}
	ErrNoAuth    = &Error{"NOAUTH"}
	ErrWrongPass = &Error{"WRONGPASS"}
	ErrBusyKey   = &Error{"BUSYKEY"}
	ErrNoProto   = &Error{"NOPROTO"}
	ErrGeneric   = &Error{"ERR"}
)

func replyError(msg string) error { return &Error{msg} }
