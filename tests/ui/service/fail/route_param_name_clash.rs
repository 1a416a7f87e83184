#[kit::service]
trait Orders {
    #[kit(http(get = "/orders/{id}"))]
    async fn get(&self, id: String) -> Result<String, kit::Error>;
    #[kit(http(delete = "/orders/{order_id}"))]
    async fn remove(&self, order_id: String) -> Result<(), kit::Error>;
}

fn main() {}
