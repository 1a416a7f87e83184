#[derive(Debug, kit::Message)]
#[kit(tag = 1)]
struct Point {
    x: i64,
}

fn main() {}
