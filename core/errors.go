package core

import "strings"

// Redis 7.0's error replies, exactly as redis-server sends them (without the
// leading '-'). Keep every error text here.
const (
	msgWrongType        = "WRONGTYPE Operation against a key holding the wrong kind of value"
	msgSyntax           = "ERR syntax error"
	msgNotInt           = "ERR value is not an integer or out of range"
	msgNotFloat         = "ERR value is not a valid float"
	msgOverflow         = "ERR increment or decrement would overflow"
	msgIncrFloatNaN     = "ERR increment would produce NaN or Infinity"
	msgNoSuchKey        = "ERR no such key"
	msgIndexOutOfRange  = "ERR index out of range"
	msgInvalidDB        = "ERR DB index is out of range"
	msgSelectNotInt     = "ERR value is not an integer or out of range"
	msgInvalidExpire    = "ERR invalid expire time in '%s' command"
	msgNoAuth           = "NOAUTH Authentication required."
	msgWrongPass        = "WRONGPASS invalid username-password pair or user is disabled."
	msgAuthNotSet       = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	msgStringTooLong    = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	msgOffsetOutOfRange = "ERR offset is out of range"
	msgBitOffset        = "ERR bit offset is not an integer or out of range"
	msgNestedMulti      = "ERR MULTI calls can not be nested"
	msgExecNoMulti      = "ERR EXEC without MULTI"
	msgDiscardNoMulti   = "ERR DISCARD without MULTI"
	msgWatchInMulti     = "ERR WATCH inside MULTI is not allowed"
	msgExecAbort        = "EXECABORT Transaction discarded because of previous errors."
	msgSameObject       = "ERR source and destination objects are the same"
	msgTimeout          = "ERR timeout is not a float or out of range"
	msgTimeoutNegative  = "ERR timeout is negative"
	msgMinMaxNotFloat   = "ERR min or max is not a float"
	msgMinMaxNotString  = "ERR min or max not valid string range item"
	msgNumKeys          = "ERR numkeys should be greater than 0"
	msgNumKeysMismatch  = "ERR Number of keys can't be greater than number of args"
	msgCountPositive    = "ERR count should be greater than 0"
	msgValueOutOfRange  = "ERR value is out of range, must be positive"
	msgLimitNegative    = "ERR LIMIT can't be negative"
	msgScoreNaN         = "ERR resulting score is not a number (NaN)"
	msgXXandNX          = "ERR XX and NX options at the same time are not compatible"
	msgGTLTNX           = "ERR GT, LT, and/or NX options at the same time are not compatible"
	msgIncrOnePair      = "ERR INCR option supports a single increment-element pair"
	msgHashNotInt       = "ERR hash value is not an integer"
	msgHashNotFloat     = "ERR hash value is not a float"
	msgRankZero         = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	msgCountNegative    = "ERR COUNT can't be negative"
	msgMaxlenNegative   = "ERR MAXLEN can't be negative"
	msgSubscribedCtx    = "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
	msgUnknownCommand   = "ERR unknown command '%s', with args beginning with: %s"
	msgUnknownSub       = "ERR unknown subcommand '%s'. Try %s HELP."
	msgWrongArity       = "ERR wrong number of arguments for '%s' command"
	msgInvalidCursor    = "ERR invalid cursor"
	msgNoProto          = "NOPROTO unsupported protocol version"
	msgDBIndexOOR       = "ERR DB index is out of range"
	msgInvalidDBIndex   = "ERR invalid DB index"
	msgCopyInvalidDB    = "ERR invalid DB index"
	msgIncompatibleMG   = "ERR GETEX and GET with EX/PX/EXAT/PXAT/PERSIST are incompatible"
	msgUnsupportedSWAP  = "ERR DB index is out of range"
	msgLCSBothGetLen    = "ERR If you want both the length and indexes, please just use IDX."
	msgNotLCSStrings    = "ERR The specified keys must contain string values"
	msgWeightNotFloat   = "ERR weight value is not a float"
	msgUnknownSortType  = "ERR One or more scores can't be converted into double"
	msgBusyKey          = "BUSYKEY Target key name already exists."
	msgInvalidTTL       = "ERR invalid expire time in '%s' command"
	msgExpireOpts       = "ERR NX and XX, GT or LT options at the same time are not compatible"
	msgExpireGTLT       = "ERR GT and LT options at the same time are not compatible"
	msgStoreFailed      = "ERR store failure: %s"

	// strings, keys, expiry, databases (strkeys)
	msgDecrOverflow    = "ERR decrement would overflow"
	msgLCSTooBig       = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
	msgUnsupportedOpt  = "ERR Unsupported option %s"
	msgInvalidFirstDB  = "ERR invalid first DB index"
	msgInvalidSecondDB = "ERR invalid second DB index"
	msgNoLFU           = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	msgIntOutOfRange   = "ERR value is out of range, value must between -2147483648 and 2147483647"
	msgNoLRU           = "ERR An LRU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
)

// Hashes and sets (and shared collection helpers).
const (
	msgNaNOrInf        = "ERR value is NaN or Infinity"
	msgCountOutOfRange = "ERR value is out of range"
	msgOutOfRangeLong  = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
)

// Sorted sets.
const (
	msgLimitRank     = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	msgWithScoresLex = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	msgAtLeastOneKey = "ERR at least 1 input key is needed for '%s' command"
)

// Connection and server commands (core/server.go).
const (
	msgNoSuchClient      = "ERR No such client"
	msgClientIDPositive  = "ERR client-id should be greater than 0"
	msgInvalidClientID   = "ERR Invalid client ID"
	msgUnknownClientType = "ERR Unknown client type '%s'"
	msgBadClientName     = "ERR Client names cannot contain spaces, newlines or special characters."
	msgConfigUnknown     = "ERR Unknown option or number of arguments for CONFIG SET - '%s'"
	msgConfigFailed      = "ERR CONFIG SET failed (possibly related to argument '%s') - %s"
	msgNoConfigFile      = "ERR The server is running without a config file"
	msgShutdownFailed    = "ERR Errors trying to SHUTDOWN. Check logs."
)

// Client tracking (core/tracking.go).
const (
	msgTrackRedirOnce      = "ERR A client can only redirect to a single other client"
	msgTrackRedirMissing   = "ERR The client ID you want redirect to does not exist"
	msgTrackPrefixBcast    = "ERR PREFIX option requires BCAST mode to be enabled"
	msgTrackSwitchBcast    = "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."
	msgTrackBcastOpt       = "ERR OPTIN and OPTOUT are not compatible with BCAST"
	msgTrackBothOpt        = "ERR You can't specify both OPTIN mode and OPTOUT mode"
	msgTrackSwitchOpt      = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."
	msgTrackPrefixExisting = "ERR Prefix '%s' overlaps with an existing prefix '%s'. Prefixes for a single client must not overlap."
	msgTrackPrefixOther    = "ERR Prefix '%s' overlaps with another provided prefix '%s'. Prefixes for a single client must not overlap."
	msgTrackCachingOff     = "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"
	msgTrackCachingYes     = "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
	msgTrackCachingNo      = "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."
)

// format fills each %s of f with the next of args, in order; it stands in
// for fmt.Sprintf on the message constants above (core does not import fmt).
func format(f string, args ...string) string {
	var b strings.Builder
	for _, a := range args {
		i := strings.Index(f, "%s")
		if i < 0 {
			break
		}
		b.WriteString(f[:i])
		b.WriteString(a)
		f = f[i+2:]
	}
	b.WriteString(f)
	return b.String()
}

// wrapped is an error whose text is its cause's followed by more detail;
// errors.Is sees the cause (what fmt.Errorf("%w...") gave).
type wrapped struct {
	cause  error
	detail string
}

func (w *wrapped) Error() string { return w.cause.Error() + w.detail }
func (w *wrapped) Unwrap() error { return w.cause }

func wrapErr(cause error, detail string) error { return &wrapped{cause, detail} }
