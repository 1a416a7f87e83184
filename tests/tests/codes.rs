//! The code names `#[derive(kit::Error)]` accepts are exactly the runtime's
//! `kit::Code` variants.

#[test]
fn the_derive_accepts_exactly_the_runtime_codes() {
    let runtime: Vec<String> = kit::Code::ALL
        .iter()
        .map(|code| format!("{code:?}"))
        .collect();
    assert_eq!(kitgen::model::CODES.to_vec(), runtime);
}
