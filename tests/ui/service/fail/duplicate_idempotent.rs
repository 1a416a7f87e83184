#[kit::service]
trait Store {
    #[kit(idempotent, idempotent)]
    async fn get(&self, key: String) -> Result<String, kit::Error>;
}

fn main() {}
