#[derive(Debug, kit::Message)]
struct Point {
    #[kit(tag = 2)]
    x: i64,
    #[kit(tag = 2)]
    y: i64,
}

fn main() {}
