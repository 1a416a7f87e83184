#[derive(Debug, kit::Error)]
struct Oops;

fn main() {}
