#[derive(Debug, kit::Message)]
enum Never {}

fn main() {}
