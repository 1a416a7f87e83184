#[derive(Debug, kit::Message)]
struct Named {
    #[kit(sint)]
    name: String,
}

fn main() {}
