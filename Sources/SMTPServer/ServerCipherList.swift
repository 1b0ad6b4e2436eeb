/// `control/tlsserverciphers` (or `TLSCIPHERS`), an OpenSSL cipher list for
/// TLS 1.2, turned into what swift-nio-ssl's BoringSSL offers
/// (docs/tls.md#ciphers).
///
/// The list is evaluated here, the way BoringSSL's own parser does it (its
/// suites, its aliases, `!`, `-`, `+`, `A+B`, `@STRENGTH`), and BoringSSL
/// gets the explicit result. That matters: NIOSSL hands the string to
/// `SSL_CTX_set_cipher_list` and traps when it selects nothing or does not
/// parse, where OpenSSL (the C build) would refuse STARTTLS with `454 TLS bad
/// cipher list`. Elements BoringSSL cannot honour are skipped and listed in
/// `skipped`: suites it lacks (every DHE, CCM, CAMELLIA, ARIA and
/// SHA256/SHA384-CBC suite but two; see README), words it does not know,
/// `@SECLEVEL=n`. Aliases for things BoringSSL has none of (`aNULL`, `MD5`,
/// `RC4`, `DHE`, …) match nothing, as there, and are not reported: they are
/// what a list usually excludes. TLS 1.3 suites are not chosen through the
/// list, as with OpenSSL. Sans-IO.
public struct ServerCipherList: Equatable, Sendable {
    /// The TLS 1.2 suites, OpenSSL names, in preference order; empty when
    /// the list selects nothing (STARTTLS then gets `454 TLS bad cipher
    /// list: no cipher match`).
    public let suites: [String]
    /// Elements skipped because BoringSSL cannot honour them, as written.
    public let skipped: [String]

    /// Evaluates `text`, separators `:` `,` `;` and space as in OpenSSL.
    public init(_ text: String) {
        var evaluation = Evaluation()
        for element in text.split(whereSeparator: { ":,; \t".contains($0) }) {
            evaluation.apply(String(element))
        }
        suites = evaluation.active.map { Self.table[$0].name }
        skipped = evaluation.skipped
    }

    /// The IANA numbers of `suites`.
    var suiteIDs: [UInt16] { suites.compactMap { name in Self.table.first { $0.name == name }?.id } }

    /// What NIOSSL's `cipherSuites` gets: explicit names only, so BoringSSL
    /// selects exactly `suites`.
    public var boringSSLString: String { suites.joined(separator: ":") }

    // MARK: - BoringSSL's suites and aliases

    struct Suite {
        /// The IANA number.
        let id: UInt16
        let name: String
        let standardName: String
        let keyExchange: UInt8
        let authentication: UInt8
        let encryption: UInt8
        let mac: UInt8
        /// TLS 1.2 only (else usable from SSLv3/TLSv1 on).
        let tls12: Bool
        /// Left out of aliases unless named (3DES, the SHA256-CBC pair).
        let deprecated: Bool
        let bits: Int
    }

    // Bits as in BoringSSL's ssl/internal.h (values are ours).
    static let kRSA: UInt8 = 1, kECDHE: UInt8 = 2, kPSK: UInt8 = 4
    static let aRSA: UInt8 = 1, aECDSA: UInt8 = 2, aPSK: UInt8 = 4
    static let e3DES: UInt8 = 1, eAES128: UInt8 = 2, eAES256: UInt8 = 4, eAES128GCM: UInt8 = 8,
               eAES256GCM: UInt8 = 16, eCHACHA20: UInt8 = 32
    static let mSHA1: UInt8 = 1, mSHA256: UInt8 = 2, mAEAD: UInt8 = 4
    static let any: UInt8 = 0xFF

    /// BoringSSL's TLS 1.2 suites in its default preference order (AES-GCM
    /// first, as on hardware with AES instructions).
    static let table: [Suite] = [
        Suite(id: 0xC02B, name: "ECDHE-ECDSA-AES128-GCM-SHA256", standardName: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
              keyExchange: kECDHE, authentication: aECDSA, encryption: eAES128GCM, mac: mAEAD, tls12: true, deprecated: false, bits: 128),
        Suite(id: 0xC02F, name: "ECDHE-RSA-AES128-GCM-SHA256", standardName: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
              keyExchange: kECDHE, authentication: aRSA, encryption: eAES128GCM, mac: mAEAD, tls12: true, deprecated: false, bits: 128),
        Suite(id: 0xC02C, name: "ECDHE-ECDSA-AES256-GCM-SHA384", standardName: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
              keyExchange: kECDHE, authentication: aECDSA, encryption: eAES256GCM, mac: mAEAD, tls12: true, deprecated: false, bits: 256),
        Suite(id: 0xC030, name: "ECDHE-RSA-AES256-GCM-SHA384", standardName: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
              keyExchange: kECDHE, authentication: aRSA, encryption: eAES256GCM, mac: mAEAD, tls12: true, deprecated: false, bits: 256),
        Suite(id: 0xCCA9, name: "ECDHE-ECDSA-CHACHA20-POLY1305", standardName: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
              keyExchange: kECDHE, authentication: aECDSA, encryption: eCHACHA20, mac: mAEAD, tls12: true, deprecated: false, bits: 256),
        Suite(id: 0xCCA8, name: "ECDHE-RSA-CHACHA20-POLY1305", standardName: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
              keyExchange: kECDHE, authentication: aRSA, encryption: eCHACHA20, mac: mAEAD, tls12: true, deprecated: false, bits: 256),
        Suite(id: 0xCCAC, name: "ECDHE-PSK-CHACHA20-POLY1305", standardName: "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
              keyExchange: kECDHE, authentication: aPSK, encryption: eCHACHA20, mac: mAEAD, tls12: true, deprecated: false, bits: 256),
        Suite(id: 0xC009, name: "ECDHE-ECDSA-AES128-SHA", standardName: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
              keyExchange: kECDHE, authentication: aECDSA, encryption: eAES128, mac: mSHA1, tls12: false, deprecated: false, bits: 128),
        Suite(id: 0xC013, name: "ECDHE-RSA-AES128-SHA", standardName: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
              keyExchange: kECDHE, authentication: aRSA, encryption: eAES128, mac: mSHA1, tls12: false, deprecated: false, bits: 128),
        Suite(id: 0xC035, name: "ECDHE-PSK-AES128-CBC-SHA", standardName: "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA",
              keyExchange: kECDHE, authentication: aPSK, encryption: eAES128, mac: mSHA1, tls12: false, deprecated: false, bits: 128),
        Suite(id: 0xC00A, name: "ECDHE-ECDSA-AES256-SHA", standardName: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
              keyExchange: kECDHE, authentication: aECDSA, encryption: eAES256, mac: mSHA1, tls12: false, deprecated: false, bits: 256),
        Suite(id: 0xC014, name: "ECDHE-RSA-AES256-SHA", standardName: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
              keyExchange: kECDHE, authentication: aRSA, encryption: eAES256, mac: mSHA1, tls12: false, deprecated: false, bits: 256),
        Suite(id: 0xC036, name: "ECDHE-PSK-AES256-CBC-SHA", standardName: "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA",
              keyExchange: kECDHE, authentication: aPSK, encryption: eAES256, mac: mSHA1, tls12: false, deprecated: false, bits: 256),
        Suite(id: 0xC023, name: "ECDHE-ECDSA-AES128-SHA256", standardName: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
              keyExchange: kECDHE, authentication: aECDSA, encryption: eAES128, mac: mSHA256, tls12: true, deprecated: true, bits: 128),
        Suite(id: 0xC027, name: "ECDHE-RSA-AES128-SHA256", standardName: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
              keyExchange: kECDHE, authentication: aRSA, encryption: eAES128, mac: mSHA256, tls12: true, deprecated: true, bits: 128),
        Suite(id: 0x009C, name: "AES128-GCM-SHA256", standardName: "TLS_RSA_WITH_AES_128_GCM_SHA256",
              keyExchange: kRSA, authentication: aRSA, encryption: eAES128GCM, mac: mAEAD, tls12: true, deprecated: false, bits: 128),
        Suite(id: 0x009D, name: "AES256-GCM-SHA384", standardName: "TLS_RSA_WITH_AES_256_GCM_SHA384",
              keyExchange: kRSA, authentication: aRSA, encryption: eAES256GCM, mac: mAEAD, tls12: true, deprecated: false, bits: 256),
        Suite(id: 0x002F, name: "AES128-SHA", standardName: "TLS_RSA_WITH_AES_128_CBC_SHA",
              keyExchange: kRSA, authentication: aRSA, encryption: eAES128, mac: mSHA1, tls12: false, deprecated: false, bits: 128),
        Suite(id: 0x008C, name: "PSK-AES128-CBC-SHA", standardName: "TLS_PSK_WITH_AES_128_CBC_SHA",
              keyExchange: kPSK, authentication: aPSK, encryption: eAES128, mac: mSHA1, tls12: false, deprecated: false, bits: 128),
        Suite(id: 0x0035, name: "AES256-SHA", standardName: "TLS_RSA_WITH_AES_256_CBC_SHA",
              keyExchange: kRSA, authentication: aRSA, encryption: eAES256, mac: mSHA1, tls12: false, deprecated: false, bits: 256),
        Suite(id: 0x008D, name: "PSK-AES256-CBC-SHA", standardName: "TLS_PSK_WITH_AES_256_CBC_SHA",
              keyExchange: kPSK, authentication: aPSK, encryption: eAES256, mac: mSHA1, tls12: false, deprecated: false, bits: 256),
        Suite(id: 0x000A, name: "DES-CBC3-SHA", standardName: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
              keyExchange: kRSA, authentication: aRSA, encryption: e3DES, mac: mSHA1, tls12: false, deprecated: true, bits: 112),
    ]

    struct Alias {
        var keyExchange = any, authentication = any, encryption = any, mac = any
        /// nil: any version; else TLS 1.2 only (true) or SSLv3/TLSv1 (false).
        var tls12: Bool?
        var includesDeprecated = false
    }

    /// BoringSSL's aliases (ssl_cipher.cc, kCipherAliases), plus OpenSSL's
    /// DEFAULT, which BoringSSL reads as ALL.
    static let aliases: [String: Alias] = {
        let aes = eAES128 | eAES256 | eAES128GCM | eAES256GCM
        var table: [String: Alias] = [
            "ALL": Alias(), "DEFAULT": Alias(), "HIGH": Alias(), "FIPS": Alias(),
            "kRSA": Alias(keyExchange: kRSA), "kECDHE": Alias(keyExchange: kECDHE), "kEECDH": Alias(keyExchange: kECDHE),
            "ECDH": Alias(keyExchange: kECDHE), "kPSK": Alias(keyExchange: kPSK),
            "aRSA": Alias(authentication: aRSA), "aECDSA": Alias(authentication: aECDSA),
            "ECDSA": Alias(authentication: aECDSA), "aPSK": Alias(authentication: aPSK),
            "ECDHE": Alias(keyExchange: kECDHE), "EECDH": Alias(keyExchange: kECDHE),
            "RSA": Alias(keyExchange: kRSA, authentication: aRSA), "PSK": Alias(keyExchange: kPSK, authentication: aPSK),
            "3DES": Alias(encryption: e3DES, includesDeprecated: true),
            "AES128": Alias(encryption: eAES128 | eAES128GCM), "AES256": Alias(encryption: eAES256 | eAES256GCM),
            "AES": Alias(encryption: aes), "AESGCM": Alias(encryption: eAES128GCM | eAES256GCM),
            "CHACHA20": Alias(encryption: eCHACHA20),
            "SHA1": Alias(mac: mSHA1), "SHA": Alias(mac: mSHA1),
            "SSLv3": Alias(tls12: false), "TLSv1": Alias(tls12: false), "TLSv1.2": Alias(tls12: true),
        ]
        // OpenSSL words for what BoringSSL has none of: they select nothing.
        for word in ["COMPLEMENTOFDEFAULT", "COMPLEMENTOFALL", "MEDIUM", "LOW", "EXPORT", "EXP", "eNULL", "NULL",
                     "aNULL", "ADH", "AECDH", "EDH", "DHE", "kEDH", "kDHE", "DH", "kDH", "kDHr", "kDHd", "aDH",
                     "MD5", "RC4", "RC2", "DES", "IDEA", "SEED", "CAMELLIA", "CAMELLIA128", "CAMELLIA256", "ARIA",
                     "ARIA128", "ARIA256", "ARIAGCM", "CCM", "CCM8", "AESCCM", "AESCCM8", "DSS", "aDSS", "SRP",
                     "kSRP", "aSRP", "SHA256", "SHA384", "kDHEPSK", "DHEPSK", "kRSAPSK", "RSAPSK", "kECDHEPSK",
                     "ECDHEPSK", "SUITEB128", "SUITEB128ONLY", "SUITEB192", "TLSv1.0", "SSLv2", "GOST94",
                     "GOST89MAC", "kGOST", "aGOST", "aGOST01", "aGOST12"] {
            table[word] = Alias(keyExchange: 0)
        }
        return table
    }()

    // MARK: - Evaluation

    struct Evaluation {
        /// Indexes into `table`, in order.
        var active: [Int] = []
        var killed: Set<Int> = []
        var skipped: [String] = []

        mutating func apply(_ element: String) {
            var body = Substring(element)
            let rule = body.first.flatMap { "!-+@".contains($0) ? $0 : nil }
            if rule != nil { body = body.dropFirst() }
            if rule == "@" {
                if body == "STRENGTH" {
                    // Stable: equal strengths keep their order.
                    active = active.enumerated().sorted {
                        (table[$0.element].bits, -$0.offset) > (table[$1.element].bits, -$1.offset)
                    }.map(\.element)
                } else {
                    skipped.append(element)
                }
                return
            }
            guard let selected = select(body, adding: rule == nil) else {
                skipped.append(element)
                return
            }
            switch rule {
            case "!":
                killed.formUnion(selected)
                active.removeAll { selected.contains($0) }
            case "-":
                active.removeAll { selected.contains($0) }
            case "+":
                let moved = active.filter { selected.contains($0) }
                active.removeAll { selected.contains($0) }
                active += moved
            default:
                for index in table.indices where selected.contains(index) && !killed.contains(index) && !active.contains(index) {
                    active.append(index)
                }
            }
        }

        /// The suites `body` (a name, or aliases joined with `+`) selects;
        /// nil when BoringSSL does not know it.
        private func select(_ body: Substring, adding: Bool) -> Set<Int>? {
            if let index = table.firstIndex(where: { $0.name == body || $0.standardName == body }) { return [index] }
            var alias = Alias()
            alias.includesDeprecated = !adding
            for word in body.split(separator: "+", omittingEmptySubsequences: false) {
                guard let part = aliases[String(word)] else { return nil }
                alias.keyExchange &= part.keyExchange
                alias.authentication &= part.authentication
                alias.encryption &= part.encryption
                alias.mac &= part.mac
                alias.includesDeprecated = alias.includesDeprecated || part.includesDeprecated
                if let version = part.tls12 {
                    // Two different versions: BoringSSL skips the rule.
                    if let earlier = alias.tls12, earlier != version { return [] }
                    alias.tls12 = version
                }
            }
            return Set(table.indices.filter { index in
                let suite = table[index]
                return suite.keyExchange & alias.keyExchange != 0 && suite.authentication & alias.authentication != 0
                    && suite.encryption & alias.encryption != 0 && suite.mac & alias.mac != 0
                    && (alias.tls12 == nil || alias.tls12 == suite.tls12)
                    && (alias.includesDeprecated || !suite.deprecated)
            })
        }
    }
}
