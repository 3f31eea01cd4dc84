//! The global allocator of capstan's binaries: mimalloc, set up for short
//! runs that allocate many small objects (a render builds and drops parse
//! trees, values and output strings by the hundred thousand).
//!
//! Two things differ from the `mimalloc` crate's allocator:
//! * Allocations whose alignment mimalloc gives anyway (8 bytes or less)
//!   call `mi_malloc`, not `mi_malloc_aligned`, whose extra checks cost a
//!   few percent of a render (Rust asks for an alignment with every call).
//! * [`keep_freed_memory`]: freed memory stays with the process.

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;

use libmimalloc_sys as mi;

/// mimalloc aligns every block to at least this much.
const NATURAL_ALIGN: usize = core::mem::size_of::<usize>();

/// mimalloc as the global allocator (see the module docs).
pub struct Alloc;

// SAFETY: each method forwards to the mimalloc call with the same contract;
// the plain calls are used only where their blocks are aligned enough.
unsafe impl GlobalAlloc for Alloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for the impl; the plain call only where its natural
        // alignment suffices.
        unsafe {
            if layout.align() <= NATURAL_ALIGN {
                mi::mi_malloc(layout.size()) as *mut u8
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        unsafe {
            if layout.align() <= NATURAL_ALIGN {
                mi::mi_zalloc(layout.size()) as *mut u8
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator (GlobalAlloc's contract).
        unsafe { mi::mi_free(ptr as *mut c_void) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`.
        unsafe {
            if layout.align() <= NATURAL_ALIGN {
                mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8
            } else {
                mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
            }
        }
    }
}

/// A run is brief: memory it frees is kept for reuse instead of going back
/// to the OS after mimalloc's purge delay, only to be faulted in and zeroed
/// again (measured: most of a render's system time). Call first in `main`.
pub fn keep_freed_memory() {
    extern "C" {
        fn mi_option_set(option: core::ffi::c_int, value: core::ffi::c_long);
    }
    // `mi_option_purge_delay` in mimalloc 2.1+ and 3.x; -1: never purge.
    const MI_OPTION_PURGE_DELAY: core::ffi::c_int = 15;
    // SAFETY: a plain option setter of the mimalloc linked in here.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

/// Transparent huge pages off for the whole process, before the first
/// allocation (an ELF constructor runs before `main` and before the Rust
/// runtime allocates): mimalloc reserves 2 MiB-aligned regions, which the
/// kernel would back with a huge page whose first touch zeroes 2 MiB —
/// the largest single cost of a short `capstan` run. Renders lose nothing
/// measurable to the smaller pages.
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static NO_HUGE_PAGES: extern "C" fn() = no_huge_pages;

#[cfg(target_os = "linux")]
extern "C" fn no_huge_pages() {
    extern "C" {
        fn prctl(option: core::ffi::c_int, ...) -> core::ffi::c_int;
    }
    const PR_SET_THP_DISABLE: core::ffi::c_int = 41;
    // SAFETY: prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) only sets a flag of
    // this process; its result is irrelevant (older kernels refuse it).
    unsafe {
        prctl(
            PR_SET_THP_DISABLE,
            1 as core::ffi::c_ulong,
            0 as core::ffi::c_ulong,
            0 as core::ffi::c_ulong,
            0 as core::ffi::c_ulong,
        );
    }
}

#[cfg(test)]
mod tests {
    #[global_allocator]
    static GLOBAL: super::Alloc = super::Alloc;

    #[test]
    fn alignments_and_sizes_hold() {
        super::keep_freed_memory();
        for align in [1usize, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1usize, 3, 8, 24, 100, 4000, 70_000] {
                let layout = std::alloc::Layout::from_size_align(size, align).unwrap();
                // SAFETY: a non-zero layout; freed with the same layout.
                unsafe {
                    let p = std::alloc::alloc_zeroed(layout);
                    assert!(!p.is_null() && (p as usize).is_multiple_of(align));
                    assert!(std::slice::from_raw_parts(p, size).iter().all(|&b| b == 0));
                    p.write_bytes(7, size);
                    let q = std::alloc::realloc(p, layout, size * 3);
                    assert!(!q.is_null() && (q as usize).is_multiple_of(align));
                    assert!(std::slice::from_raw_parts(q, size).iter().all(|&b| b == 7));
                    std::alloc::dealloc(
                        q,
                        std::alloc::Layout::from_size_align(size * 3, align).unwrap(),
                    );
                }
            }
        }
        let v: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
        assert_eq!(v[999], "999");
    }
}
