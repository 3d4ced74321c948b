// Package conformance holds the transcripts every Folio target must answer exactly as Redis 7.0 does, and the differential tests against a real redis-server.
package conformance
