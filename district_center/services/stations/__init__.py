"""Stations (便民服务站): enrollment, request authentication, and offline bundle import."""
