#[kit::service]
trait Greeter {
    async fn hello(&self, name: &str) -> Result<String, kit::Error>;
}

fn main() {}
