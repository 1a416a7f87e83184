#[derive(Debug, kit::Message)]
enum Shape {
    Dot,
    Circle(f64),
}

fn main() {}
