#[kit::service]
trait Greeter {
    async fn hello(&self, name: Vec<_>) -> Result<String, kit::Error>;
}

fn main() {}
