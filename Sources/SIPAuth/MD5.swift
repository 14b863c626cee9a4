/// MD5 (RFC 1321), written out for speed on short inputs.
///
/// Digest authentication hashes many inputs of one to three 64-byte blocks. swift-crypto's
/// `Insecure.MD5` allocates a hashing context per digest, which costs more than the hashing
/// itself at these sizes (measured about 500 ns per 100-byte digest against about 150 ns here),
/// so MD5 is computed in place on the caller's bytes with the four rounds unrolled. SHA-256
/// and SHA-512/256 still come from swift-crypto. Tests cross-check this against RFC 1321
/// Appendix A.5 and against swift-crypto on random inputs.
enum MD5 {
    /// Hashes `input` and writes the 16-byte digest at `output`.
    static func hash(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawPointer) {
        // RFC 1321 §3.3: initial state words A, B, C, D.
        var state = (a: UInt32(0x6745_2301), b: UInt32(0xefcd_ab89), c: UInt32(0x98ba_dcfe), d: UInt32(0x1032_5476))
        let fullBlocks = input.count / 64
        if let base = input.baseAddress {
            for block in 0..<fullBlocks {
                Self.compress(&state, UnsafeRawPointer(base + block * 64))
            }
        }
        // RFC 1321 §3.1-3.2: append 0x80, zero-pad to 56 mod 64, then the bit length, little-endian.
        let remaining = input.count - fullBlocks * 64
        withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { tail in
            guard let tailBase = tail.baseAddress else { return }
            tailBase.initializeMemory(as: UInt8.self, repeating: 0, count: 128)
            if remaining > 0, let base = input.baseAddress {
                tailBase.copyMemory(from: base + fullBlocks * 64, byteCount: remaining)
            }
            tailBase.storeBytes(of: 0x80, toByteOffset: remaining, as: UInt8.self)
            let tailLength = remaining < 56 ? 64 : 128
            let bitLength = UInt64(truncatingIfNeeded: input.count) &* 8
            tailBase.storeBytes(of: bitLength.littleEndian, toByteOffset: tailLength - 8, as: UInt64.self)
            Self.compress(&state, UnsafeRawPointer(tailBase))
            if tailLength == 128 { Self.compress(&state, UnsafeRawPointer(tailBase + 64)) }
        }
        output.storeBytes(of: state.a.littleEndian, toByteOffset: 0, as: UInt32.self)
        output.storeBytes(of: state.b.littleEndian, toByteOffset: 4, as: UInt32.self)
        output.storeBytes(of: state.c.littleEndian, toByteOffset: 8, as: UInt32.self)
        output.storeBytes(of: state.d.littleEndian, toByteOffset: 12, as: UInt32.self)
    }

    @inline(__always)
    private static func rotateLeft(_ value: UInt32, _ count: UInt32) -> UInt32 {
        (value &<< count) | (value &>> (32 &- count))
    }

    // RFC 1321 §3.4: the four auxiliary functions, each folded into one step
    // a = b + ((a + F(b,c,d) + X[k] + T[i]) <<< s); `xk` is X[k] + T[i].
    @inline(__always)
    private static func f(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ xk: UInt32, _ s: UInt32) -> UInt32 {
        b &+ Self.rotateLeft(a &+ ((b & c) | (~b & d)) &+ xk, s)
    }

    @inline(__always)
    private static func g(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ xk: UInt32, _ s: UInt32) -> UInt32 {
        b &+ Self.rotateLeft(a &+ ((b & d) | (c & ~d)) &+ xk, s)
    }

    @inline(__always)
    private static func h(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ xk: UInt32, _ s: UInt32) -> UInt32 {
        b &+ Self.rotateLeft(a &+ (b ^ c ^ d) &+ xk, s)
    }

    @inline(__always)
    private static func i(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ xk: UInt32, _ s: UInt32) -> UInt32 {
        b &+ Self.rotateLeft(a &+ (c ^ (b | ~d)) &+ xk, s)
    }

    /// Processes one 64-byte block (RFC 1321 §3.4). The constants are T[i] = floor(2^32 * |sin(i)|).
    private static func compress(
        _ state: inout (a: UInt32, b: UInt32, c: UInt32, d: UInt32),
        _ block: UnsafeRawPointer
    ) {
        let x0 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let x1 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let x2 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        let x3 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        let x4 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
        let x5 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 20, as: UInt32.self))
        let x6 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 24, as: UInt32.self))
        let x7 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 28, as: UInt32.self))
        let x8 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 32, as: UInt32.self))
        let x9 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 36, as: UInt32.self))
        let x10 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 40, as: UInt32.self))
        let x11 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 44, as: UInt32.self))
        let x12 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 48, as: UInt32.self))
        let x13 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 52, as: UInt32.self))
        let x14 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 56, as: UInt32.self))
        let x15 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 60, as: UInt32.self))
        var a = state.a
        var b = state.b
        var c = state.c
        var d = state.d
        a = Self.f(a, b, c, d, x0 &+ 0xd76aa478, 7)
        d = Self.f(d, a, b, c, x1 &+ 0xe8c7b756, 12)
        c = Self.f(c, d, a, b, x2 &+ 0x242070db, 17)
        b = Self.f(b, c, d, a, x3 &+ 0xc1bdceee, 22)
        a = Self.f(a, b, c, d, x4 &+ 0xf57c0faf, 7)
        d = Self.f(d, a, b, c, x5 &+ 0x4787c62a, 12)
        c = Self.f(c, d, a, b, x6 &+ 0xa8304613, 17)
        b = Self.f(b, c, d, a, x7 &+ 0xfd469501, 22)
        a = Self.f(a, b, c, d, x8 &+ 0x698098d8, 7)
        d = Self.f(d, a, b, c, x9 &+ 0x8b44f7af, 12)
        c = Self.f(c, d, a, b, x10 &+ 0xffff5bb1, 17)
        b = Self.f(b, c, d, a, x11 &+ 0x895cd7be, 22)
        a = Self.f(a, b, c, d, x12 &+ 0x6b901122, 7)
        d = Self.f(d, a, b, c, x13 &+ 0xfd987193, 12)
        c = Self.f(c, d, a, b, x14 &+ 0xa679438e, 17)
        b = Self.f(b, c, d, a, x15 &+ 0x49b40821, 22)
        a = Self.g(a, b, c, d, x1 &+ 0xf61e2562, 5)
        d = Self.g(d, a, b, c, x6 &+ 0xc040b340, 9)
        c = Self.g(c, d, a, b, x11 &+ 0x265e5a51, 14)
        b = Self.g(b, c, d, a, x0 &+ 0xe9b6c7aa, 20)
        a = Self.g(a, b, c, d, x5 &+ 0xd62f105d, 5)
        d = Self.g(d, a, b, c, x10 &+ 0x02441453, 9)
        c = Self.g(c, d, a, b, x15 &+ 0xd8a1e681, 14)
        b = Self.g(b, c, d, a, x4 &+ 0xe7d3fbc8, 20)
        a = Self.g(a, b, c, d, x9 &+ 0x21e1cde6, 5)
        d = Self.g(d, a, b, c, x14 &+ 0xc33707d6, 9)
        c = Self.g(c, d, a, b, x3 &+ 0xf4d50d87, 14)
        b = Self.g(b, c, d, a, x8 &+ 0x455a14ed, 20)
        a = Self.g(a, b, c, d, x13 &+ 0xa9e3e905, 5)
        d = Self.g(d, a, b, c, x2 &+ 0xfcefa3f8, 9)
        c = Self.g(c, d, a, b, x7 &+ 0x676f02d9, 14)
        b = Self.g(b, c, d, a, x12 &+ 0x8d2a4c8a, 20)
        a = Self.h(a, b, c, d, x5 &+ 0xfffa3942, 4)
        d = Self.h(d, a, b, c, x8 &+ 0x8771f681, 11)
        c = Self.h(c, d, a, b, x11 &+ 0x6d9d6122, 16)
        b = Self.h(b, c, d, a, x14 &+ 0xfde5380c, 23)
        a = Self.h(a, b, c, d, x1 &+ 0xa4beea44, 4)
        d = Self.h(d, a, b, c, x4 &+ 0x4bdecfa9, 11)
        c = Self.h(c, d, a, b, x7 &+ 0xf6bb4b60, 16)
        b = Self.h(b, c, d, a, x10 &+ 0xbebfbc70, 23)
        a = Self.h(a, b, c, d, x13 &+ 0x289b7ec6, 4)
        d = Self.h(d, a, b, c, x0 &+ 0xeaa127fa, 11)
        c = Self.h(c, d, a, b, x3 &+ 0xd4ef3085, 16)
        b = Self.h(b, c, d, a, x6 &+ 0x04881d05, 23)
        a = Self.h(a, b, c, d, x9 &+ 0xd9d4d039, 4)
        d = Self.h(d, a, b, c, x12 &+ 0xe6db99e5, 11)
        c = Self.h(c, d, a, b, x15 &+ 0x1fa27cf8, 16)
        b = Self.h(b, c, d, a, x2 &+ 0xc4ac5665, 23)
        a = Self.i(a, b, c, d, x0 &+ 0xf4292244, 6)
        d = Self.i(d, a, b, c, x7 &+ 0x432aff97, 10)
        c = Self.i(c, d, a, b, x14 &+ 0xab9423a7, 15)
        b = Self.i(b, c, d, a, x5 &+ 0xfc93a039, 21)
        a = Self.i(a, b, c, d, x12 &+ 0x655b59c3, 6)
        d = Self.i(d, a, b, c, x3 &+ 0x8f0ccc92, 10)
        c = Self.i(c, d, a, b, x10 &+ 0xffeff47d, 15)
        b = Self.i(b, c, d, a, x1 &+ 0x85845dd1, 21)
        a = Self.i(a, b, c, d, x8 &+ 0x6fa87e4f, 6)
        d = Self.i(d, a, b, c, x15 &+ 0xfe2ce6e0, 10)
        c = Self.i(c, d, a, b, x6 &+ 0xa3014314, 15)
        b = Self.i(b, c, d, a, x13 &+ 0x4e0811a1, 21)
        a = Self.i(a, b, c, d, x4 &+ 0xf7537e82, 6)
        d = Self.i(d, a, b, c, x11 &+ 0xbd3af235, 10)
        c = Self.i(c, d, a, b, x2 &+ 0x2ad7d2bb, 15)
        b = Self.i(b, c, d, a, x9 &+ 0xeb86d391, 21)
        state.a = state.a &+ a
        state.b = state.b &+ b
        state.c = state.c &+ c
        state.d = state.d &+ d
    }
}
