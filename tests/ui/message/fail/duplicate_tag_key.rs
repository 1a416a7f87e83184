#[derive(Debug, kit::Message)]
struct Point {
    #[kit(tag = 3, tag = 4)]
    x: i64,
}

fn main() {}
