import Foundation
import Testing
import RealBuildSupport

/// The trait every test on the real tree carries.
let realTree = Testing.ConditionTrait.enabled(
    if: PatchedBuild.tarballCached, "netqmail-1.06 is not in the qmailkit cache; run: qmailkit fetch --from FILE")

/// For tests that need the openssl command (test PKI) and libssl.so.3 (TLS on both sides, HMAC-MD5 for CRAM).
let tlsTools = Testing.ConditionTrait.enabled(
    if: PKI.opensslAvailable && OpenSSL.available, "needs the openssl command and libssl.so.3")

/// For tests whose qmail-smtpd runs the checkpassword stand-in (a python3 script).
let checkpasswordTool = Testing.ConditionTrait.enabled(
    if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "the checkpassword stand-in needs /usr/bin/python3")
