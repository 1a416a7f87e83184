#[derive(Debug, kit::Message)]
struct Page<T> {
    items: Vec<T>,
}

fn main() {}
