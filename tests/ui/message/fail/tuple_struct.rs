#[derive(Debug, kit::Message)]
struct Point(i64, i64);

fn main() {}
