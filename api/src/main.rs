use std::process::ExitCode;

// The ledger allocates many small values per entry (JSON trees, rows); mimalloc measured
// faster than the system allocator for appends and verification (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    api::cli::main().await
}
