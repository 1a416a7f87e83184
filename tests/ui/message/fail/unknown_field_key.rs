#[derive(Debug, kit::Message)]
struct Point {
    #[kit(number = 3)]
    x: i64,
}

fn main() {}
