//! `cargo xtask bench quick-replies`, natively: quick-reply matching of
//! `core` on 100 000 replies, per keystroke (see `workload.rs`).

#[path = "workload.rs"]
mod workload;

fn main() {
    let origin = std::time::Instant::now();
    println!("quick replies (native)");
    for line in workload::run(|| origin.elapsed().as_secs_f64() * 1000.0) {
        println!("  {line}");
    }
}
