#[kit::service]
trait Greeter {
    async fn hello(&self, name: impl Into<String>) -> Result<String, kit::Error>;
}

fn main() {}
