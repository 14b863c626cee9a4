// Big-endian field readers over a borrowed frame. Callers check bounds first (every header
// parser guards `count >= offset + size` before reading), so these stay branch-free.

extension UnsafeRawBufferPointer {
    /// The unsigned 16-bit big-endian field at `offset`. The caller guarantees the bounds.
    @inline(__always)
    func readUInt16(at offset: Int) -> UInt16 {
        UInt16(bigEndian: self.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// The unsigned 32-bit big-endian field at `offset`. The caller guarantees the bounds.
    @inline(__always)
    func readUInt32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: self.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// The unsigned 64-bit big-endian field at `offset`. The caller guarantees the bounds.
    @inline(__always)
    func readUInt64(at offset: Int) -> UInt64 {
        UInt64(bigEndian: self.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The IPv6 address in the 16 bytes at `offset`. The caller guarantees the bounds.
    @inline(__always)
    func readIPv6Address(at offset: Int) -> NetworkAddress {
        NetworkAddress(ipv6High: self.readUInt64(at: offset), low: self.readUInt64(at: offset + 8))
    }

    /// The bytes from `start` to `end`, as a buffer of their own (no copy).
    @inline(__always)
    func slice(_ start: Int, _ end: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[start..<end])
    }
}
