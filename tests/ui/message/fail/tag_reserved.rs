#[derive(Debug, kit::Message)]
struct Point {
    #[kit(tag = 19500)]
    x: i64,
}

fn main() {}
