//go:build !((linux || darwin) && (amd64 || arm64 || riscv64 || ppc64le || loong64 || s390x || mips64 || mips64le || ppc64))

package wasm

import "context"

// withMemory keeps wazero's default linear memory where address space
// cannot be reserved this way.
func withMemory(ctx context.Context) context.Context { return ctx }
