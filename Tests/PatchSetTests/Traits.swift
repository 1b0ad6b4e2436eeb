import Testing

/// The trait every test on the real tree carries.
let realTree = Testing.ConditionTrait.enabled(
    if: PatchedBuild.tarballCached, "netqmail-1.06 is not in the qmailkit cache; run: qmailkit fetch --from FILE")

/// For tests that need the openssl command (test PKI) and libssl.so.3 (TLS client).
let tlsTools = Testing.ConditionTrait.enabled(
    if: PKI.opensslAvailable && OpenSSL.available, "needs the openssl command and libssl.so.3")
