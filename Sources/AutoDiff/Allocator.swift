import CAllocator

/// Process-wide allocator settings for tensor workloads.
public enum Allocator {
    /// Keeps freed tensor buffers inside the process for reuse.
    ///
    /// glibc serves large arrays with fresh `mmap`s and returns freed heap tops to the
    /// kernel, so every op's output costs page faults and page clearing — measured at a
    /// quarter of the time of a ViT-B forward + backward (`bench clip`). Raising the mmap and
    /// trim thresholds makes freed buffers come back from the heap instead. Call once at
    /// startup, before the first large allocation.
    public static func retainFreedMemory() {
        _ = mallopt(M_MMAP_THRESHOLD, 1 << 30)
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
    }
}
