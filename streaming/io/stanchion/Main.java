package io.stanchion;

public final class Main {
    public static void main(String[] args) {
        System.out.println(io.stanchion.protocol.pb.PubAck.newBuilder().setGuid("x").build());
    }
}
