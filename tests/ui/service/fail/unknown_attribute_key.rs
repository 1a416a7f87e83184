#[kit::service]
trait Orders {
    #[kit(route = "/orders")]
    async fn get(&self, id: String) -> Result<String, kit::Error>;
}

fn main() {}
