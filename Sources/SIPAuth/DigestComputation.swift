/// The digest formulas, as fast static primitives (RFC 2617 §3.2.2, RFC 7616 §3.4).
///
/// ```
/// HA1      = H(username ":" realm ":" password)                          non-sess
/// HA1      = H(H(username ":" realm ":" password) ":" nonce ":" cnonce)  -sess
/// HA2      = H(method ":" digest-uri)                                    qop=auth or no qop
/// HA2      = H(method ":" digest-uri ":" H(body))                        qop=auth-int
/// response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)          with qop
/// response = H(HA1 ":" nonce ":" HA2)                                    no qop (RFC 2069)
/// ```
///
/// Each function builds its hash inputs in one stack scratch area and hex-encodes through a byte
/// table, so a response costs the hashes plus one `String` allocation for the result. Functions
/// return `nil` when the algorithm is ``DigestAlgorithm/other(_:)``.
public enum DigestComputation {
    /// HA1 as hex, including the `-sess` step for session algorithms (which needs `nonce` and
    /// `cnonce`; they are ignored otherwise).
    public static func ha1Hex(
        algorithm: DigestAlgorithm,
        username: String,
        realm: String,
        password: String,
        nonce: String = "",
        cnonce: String = ""
    ) -> String? {
        guard let hash = algorithm.hashFunction else { return nil }
        let base = Self.baseHA1Hex(hash: hash, username: username, realm: realm, password: password)
        guard algorithm.isSession else { return base }
        return Self.sessionHA1Hex(hash: hash, baseHA1Hex: base, nonce: nonce, cnonce: cnonce)
    }

    /// The response as hex, from an HA1 computed earlier with
    /// ``ha1Hex(algorithm:username:realm:password:nonce:cnonce:)`` (for `-sess` algorithms that is
    /// the session HA1). With `qop == nil`, `nonceCount` and
    /// `cnonce` are not used (RFC 2069 compatibility).
    public static func responseHex(
        algorithm: DigestAlgorithm,
        ha1Hex: String,
        nonce: String,
        nonceCount: UInt32,
        cnonce: String,
        qop: DigestQOP?,
        method: String,
        uri: String,
        body: [UInt8] = []
    ) -> String? {
        guard let hash = algorithm.hashFunction else { return nil }
        return Self.response(
            hash: hash,
            ha1Hex: ha1Hex,
            nonce: nonce,
            nonceCount: DigestNonceCounter.format(nonceCount),
            cnonce: cnonce,
            qop: qop,
            method: method,
            uri: uri,
            body: body
        )
    }

    /// The response as hex, from the password (computes HA1 first).
    public static func responseHex(
        algorithm: DigestAlgorithm,
        username: String,
        realm: String,
        password: String,
        nonce: String,
        nonceCount: UInt32,
        cnonce: String,
        qop: DigestQOP?,
        method: String,
        uri: String,
        body: [UInt8] = []
    ) -> String? {
        guard
            let ha1 = Self.ha1Hex(
                algorithm: algorithm,
                username: username,
                realm: realm,
                password: password,
                nonce: nonce,
                cnonce: cnonce
            )
        else { return nil }
        return Self.responseHex(
            algorithm: algorithm,
            ha1Hex: ha1,
            nonce: nonce,
            nonceCount: nonceCount,
            cnonce: cnonce,
            qop: qop,
            method: method,
            uri: uri,
            body: body
        )
    }

    /// HA2 as hex: `H(method ":" uri)`, or `H(method ":" uri ":" H(body))` for `auth-int`.
    ///
    /// HA2 is constant while the method, URI (and, for auth-int, body) stay the same, so callers
    /// answering many challenges for the same request can compute it once and use
    /// ``responseHex(algorithm:ha1Hex:ha2Hex:nonce:nonceCount:cnonce:qop:)``.
    public static func ha2Hex(
        algorithm: DigestAlgorithm,
        method: String,
        uri: String,
        qop: DigestQOP?,
        body: [UInt8] = []
    ) -> String? {
        guard let hash = algorithm.hashFunction else { return nil }
        return Self.ha2Hex(hash: hash, method: method, uri: uri, qop: qop, body: body)
    }

    /// The response as hex from precomputed HA1 and HA2: one hash per call (the fastest path).
    public static func responseHex(
        algorithm: DigestAlgorithm,
        ha1Hex: String,
        ha2Hex: String,
        nonce: String,
        nonceCount: UInt32,
        cnonce: String,
        qop: DigestQOP?
    ) -> String? {
        guard let hash = algorithm.hashFunction else { return nil }
        var ha2 = ha2Hex
        return ha2.withUTF8 { ha2Bytes in
            Self.finalResponse(
                hash: hash,
                ha1Hex: ha1Hex,
                nonce: nonce,
                nonceCount: DigestNonceCounter.format(nonceCount),
                cnonce: cnonce,
                qopToken: qop?.token,
                ha2Hex: UnsafeRawBufferPointer(ha2Bytes)
            )
        }
    }

    /// The hashed username for `userhash=true`: `H(username ":" realm)` (RFC 7616 §3.4.4).
    public static func userhashHex(algorithm: DigestAlgorithm, username: String, realm: String) -> String? {
        guard let hash = algorithm.hashFunction else { return nil }
        let length = username.utf8.count + 1 + realm.utf8.count
        return withUnsafeTemporaryAllocation(byteCount: length, alignment: 1) { scratch in
            guard let base = scratch.baseAddress else { return "" }
            var input = ScratchWriter(base)
            input.append(username)
            input.appendColon()
            input.append(realm)
            return hash.hexDigest(of: input.bytes)
        }
    }

    // MARK: - Internal formulas

    /// `H(username ":" realm ":" password)`.
    static func baseHA1Hex(hash: DigestHashFunction, username: String, realm: String, password: String) -> String {
        let length = username.utf8.count + 1 + realm.utf8.count + 1 + password.utf8.count
        return withUnsafeTemporaryAllocation(byteCount: length, alignment: 1) { scratch in
            guard let base = scratch.baseAddress else { return "" }
            var input = ScratchWriter(base)
            input.append(username)
            input.appendColon()
            input.append(realm)
            input.appendColon()
            input.append(password)
            return hash.hexDigest(of: input.bytes)
        }
    }

    /// `H(baseHA1 ":" nonce ":" cnonce)`, RFC 7616 §3.4.2 for `-sess` algorithms.
    static func sessionHA1Hex(hash: DigestHashFunction, baseHA1Hex: String, nonce: String, cnonce: String) -> String {
        let length = baseHA1Hex.utf8.count + 1 + nonce.utf8.count + 1 + cnonce.utf8.count
        return withUnsafeTemporaryAllocation(byteCount: length, alignment: 1) { scratch in
            guard let base = scratch.baseAddress else { return "" }
            var input = ScratchWriter(base)
            input.append(baseHA1Hex)
            input.appendColon()
            input.append(nonce)
            input.appendColon()
            input.append(cnonce)
            return hash.hexDigest(of: input.bytes)
        }
    }

    /// HA2 (RFC 7616 §3.4.3): for "auth-int", A2 = Method ":" request-uri ":" H(entity-body).
    static func ha2Hex(hash: DigestHashFunction, method: String, uri: String, qop: DigestQOP?, body: [UInt8]) -> String
    {
        let hexLength = hash.hexLength
        let includesBodyHash = qop == .authInt
        let length = method.utf8.count + 1 + uri.utf8.count + (includesBodyHash ? 1 + hexLength : 0)
        return withUnsafeTemporaryAllocation(byteCount: length, alignment: 1) { scratch in
            guard let base = scratch.baseAddress else { return "" }
            var input = ScratchWriter(base)
            input.append(method)
            input.appendColon()
            input.append(uri)
            if includesBodyHash {
                input.appendColon()
                let destination = input.reserve(hexLength)
                body.withUnsafeBytes { hash.writeHexDigest(of: $0, to: destination) }
            }
            return hash.hexDigest(of: input.bytes)
        }
    }

    /// The response from HA1, with `nonceCount` as the exact text that goes into the hash.
    static func response(
        hash: DigestHashFunction,
        ha1Hex: String,
        nonce: String,
        nonceCount: String,
        cnonce: String,
        qop: DigestQOP?,
        method: String,
        uri: String,
        body: [UInt8]
    ) -> String {
        let hexLength = hash.hexLength
        let includesBodyHash = qop == .authInt
        let ha2InputLength = method.utf8.count + 1 + uri.utf8.count + (includesBodyHash ? 1 + hexLength : 0)
        return withUnsafeTemporaryAllocation(byteCount: ha2InputLength + hexLength, alignment: 1) { scratch in
            guard let base = scratch.baseAddress else { return "" }
            var ha2Input = ScratchWriter(base)
            ha2Input.append(method)
            ha2Input.appendColon()
            ha2Input.append(uri)
            if includesBodyHash {
                ha2Input.appendColon()
                let destination = ha2Input.reserve(hexLength)
                body.withUnsafeBytes { hash.writeHexDigest(of: $0, to: destination) }
            }
            let ha2 = base + ha2InputLength
            hash.writeHexDigest(of: ha2Input.bytes, to: ha2)
            return Self.finalResponse(
                hash: hash,
                ha1Hex: ha1Hex,
                nonce: nonce,
                nonceCount: nonceCount,
                cnonce: cnonce,
                qopToken: qop?.token,
                ha2Hex: UnsafeRawBufferPointer(start: ha2, count: hexLength)
            )
        }
    }

    /// `H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)`, or `H(HA1 ":" nonce ":" HA2)` without qop.
    static func finalResponse(
        hash: DigestHashFunction,
        ha1Hex: String,
        nonce: String,
        nonceCount: String,
        cnonce: String,
        qopToken: String?,
        ha2Hex: UnsafeRawBufferPointer
    ) -> String {
        var length = ha1Hex.utf8.count + 1 + nonce.utf8.count + 1 + ha2Hex.count
        if let qopToken {
            length += nonceCount.utf8.count + 1 + cnonce.utf8.count + 1 + qopToken.utf8.count + 1
        }
        return withUnsafeTemporaryAllocation(byteCount: length, alignment: 1) { scratch in
            guard let base = scratch.baseAddress else { return "" }
            var input = ScratchWriter(base)
            input.append(ha1Hex)
            input.appendColon()
            input.append(nonce)
            input.appendColon()
            if let qopToken {
                input.append(nonceCount)
                input.appendColon()
                input.append(cnonce)
                input.appendColon()
                input.append(qopToken)
                input.appendColon()
            }
            input.append(ha2Hex)
            return hash.hexDigest(of: input.bytes)
        }
    }
}
