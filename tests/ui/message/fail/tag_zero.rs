#[derive(Debug, kit::Message)]
struct Point {
    #[kit(tag = 0)]
    x: i64,
}

fn main() {}
