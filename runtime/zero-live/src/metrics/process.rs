//! The process's own gauges, read from `/proc` at each scrape (Linux; elsewhere they are not
//! written): resident memory and open file descriptors, under the names Prometheus client
//! libraries use.

use std::fmt::Write as _;

/// Resident memory in bytes (`VmRSS` of `/proc/self/status`).
pub(super) fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?;
    let kib: u64 = line.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

/// Open file descriptors (entries of `/proc/self/fd`, less the one reading it).
pub(super) fn open_fds() -> Option<u64> {
    let count = std::fs::read_dir("/proc/self/fd").ok()?.count() as u64;
    Some(count.saturating_sub(1))
}

/// Writes `process_resident_memory_bytes` and `process_open_fds`, where `/proc` has them.
pub(crate) fn write(out: &mut String) {
    if let Some(bytes) = resident_bytes() {
        let _ = writeln!(
            out,
            "# HELP process_resident_memory_bytes Resident memory of the process.\n\
             # TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {bytes}"
        );
    }
    if let Some(fds) = open_fds() {
        let _ = writeln!(
            out,
            "# HELP process_open_fds Open file descriptors of the process.\n\
             # TYPE process_open_fds gauge\nprocess_open_fds {fds}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_and_descriptors_follow_the_process() {
        // Other tests of this process open and close files too: a margin.
        let before = open_fds().unwrap_or_default();
        let files: Vec<_> = (0..20).map(|_| std::fs::File::open("/proc/self/status")).collect();
        assert!(open_fds().unwrap_or_default() >= before + 10, "twenty more files open");
        drop(files);
        assert!(resident_bytes().unwrap_or_default() > 1024 * 1024, "a process holds a MiB");
        let mut out = String::new();
        write(&mut out);
        assert!(out.contains("# TYPE process_open_fds gauge\nprocess_open_fds "), "{out}");
    }
}
