//! Every input a fuzzer found crashing or hanging (`fuzz/run.sh` copies them into
//! `tests/fuzz-regressions/TARGET/`, whose README says what goes there) replayed through the same code as the fuzz target, each
//! within a time limit: a fixed bug stays fixed.

use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn inputs_that_once_crashed_a_fuzz_target_no_longer_do() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let names: Vec<String> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}: the replay has nothing to read", root.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n == "README.md"),
        "{} has no README.md",
        root.display()
    );
    for name in &names {
        assert!(
            name == "README.md" || keysweep::fuzz::TARGETS.iter().any(|(t, _)| t == name),
            "{}: `{name}` is no fuzz target's folder: it would never be replayed",
            root.display()
        );
    }
    let mut replayed = 0;
    for (target, run) in keysweep::fuzz::TARGETS {
        // No folder: no input has crashed this target yet.
        let Ok(entries) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let start = Instant::now();
            run(&data);
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{}: took {:?}",
                path.display(),
                start.elapsed()
            );
            replayed += 1;
        }
    }
    // Also a sanity check that the targets run at all on ordinary input.
    for (_, run) in keysweep::fuzz::TARGETS {
        run(b"[[patterns]]\nid = \"a.b\"\n\0x\0SCW_ACCESS_KEY=\n");
    }
    eprintln!("{replayed} fuzz regression inputs replayed");
}
