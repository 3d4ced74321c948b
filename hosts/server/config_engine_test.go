package server

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestEngineOption(t *testing.T) {
	cfg, err := ParseArgs(nil, io.Discard)
	if err != nil || cfg.Engine != "native" {
		t.Fatalf("default engine %q, %v", cfg.Engine, err)
	}
	if cfg, err = ParseArgs([]string{"--engine", "wasm"}, io.Discard); err != nil || cfg.Engine != "wasm" {
		t.Fatalf("--engine wasm: %q, %v", cfg.Engine, err)
	}
	if _, err = ParseArgs([]string{"--engine", "v8"}, io.Discard); err == nil {
		t.Fatal("--engine v8 accepted")
	}
	conf := filepath.Join(t.TempDir(), "redis.conf")
	os.WriteFile(conf, []byte("engine wasm\n"), 0o644)
	if cfg, err = ParseArgs([]string{conf}, io.Discard); err != nil || cfg.Engine != "wasm" {
		t.Fatalf("engine in redis.conf: %q, %v", cfg.Engine, err)
	}
	if cfg, err = ParseArgs([]string{conf, "--engine", "native"}, io.Discard); err != nil || cfg.Engine != "native" {
		t.Fatalf("flag over redis.conf: %q, %v", cfg.Engine, err)
	}
}
