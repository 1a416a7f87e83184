#[kit::service]
trait Files {
    #[kit(http(get = "/files/{*path}"))]
    async fn get(&self, path: String) -> Result<String, kit::Error>;
}

fn main() {}
