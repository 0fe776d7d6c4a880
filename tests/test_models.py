"""The article's architecture: parameter counts, shapes, and clear errors for bad arguments."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from convae_helpers import Autoencoder, Decoder, Encoder, build_autoencoder, count_parameters
from convae_helpers.models import layer_table

# The article's architecture fixes these exactly (weights + biases of every layer).
EXPECTED_PARAMETERS = {200: (891_480, 895_315), 1000: (4_169_080, 4_172_115)}


@pytest.mark.parametrize("latent_dim", [200, 1000])
def test_parameter_counts(latent_dim):
    model = build_autoencoder(latent_dim)
    assert (count_parameters(model.encoder), count_parameters(model.decoder)) == EXPECTED_PARAMETERS[latent_dim]


@pytest.mark.parametrize("latent_dim", [200, 1000])
def test_shapes(latent_dim):
    model = build_autoencoder(latent_dim)
    x = torch.randn(5, 3, 32, 32)
    z = model.encoder(x)
    assert z.shape == (5, latent_dim)
    assert (z >= 0).all(), "the bottleneck is followed by the ReLU, as in the article"
    assert model.decoder(z).shape == (5, 3, 32, 32)
    assert model(x).shape == (5, 3, 32, 32)


def test_layers_follow_the_article():
    encoder, decoder = Encoder(), Decoder()
    convs = [m for m in encoder.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.stride[0]) for c in convs] == [
        (3, 16, 1), (16, 16, 1), (16, 32, 2), (32, 32, 1), (32, 64, 2), (64, 64, 1)
    ]  # fmt: skip
    transposed = [m for m in decoder.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert [(c.in_channels, c.out_channels, c.stride[0], c.output_padding[0]) for c in transposed] == [
        (64, 64, 1, 0), (64, 32, 2, 1), (32, 32, 1, 0), (32, 16, 2, 1), (16, 16, 1, 0), (16, 3, 1, 0)
    ]  # fmt: skip
    # act_fn after every decoder layer but the last: the output is not clipped to ReLU's range
    assert not isinstance(list(decoder.conv)[-1], nn.ReLU)


@pytest.mark.parametrize("cls", [Encoder, Decoder])
@pytest.mark.parametrize(
    "argument, value, error",
    [
        ("latent_dim", 0, ValueError),
        ("latent_dim", -5, ValueError),
        ("latent_dim", 2.5, TypeError),
        ("latent_dim", "200", TypeError),
        ("out_channels", 0, ValueError),
        ("in_channels", 0, ValueError),
        ("in_channels", True, TypeError),
    ],
)
def test_bad_constructor_arguments(cls, argument, value, error):
    with pytest.raises(error, match=argument):
        cls(**{argument: value})


def test_act_fn_must_be_a_module():
    with pytest.raises(TypeError, match="act_fn"):
        Encoder(act_fn=torch.relu)


def test_autoencoder_checks_its_parts():
    with pytest.raises(ValueError, match="latent_dim"):
        Autoencoder(Encoder(latent_dim=200), Decoder(latent_dim=1000))
    with pytest.raises(TypeError, match="encoder"):
        Autoencoder(nn.Identity(), Decoder())


@pytest.mark.parametrize(
    "shape, fragment",
    [
        ((4, 1, 32, 32), "grayscale"),
        ((4, 3, 28, 28), "28x28"),
        ((4, 32, 32, 3), r"looks like \(N, H, W, C\); use \.permute\(0, 3, 1, 2\)"),
        ((3, 32, 32), "unsqueeze"),
    ],
)
def test_bad_batches_name_the_problem(shape, fragment):
    with pytest.raises(ValueError, match=fragment) as info:
        build_autoencoder()(torch.zeros(shape))
    assert str(info.value).startswith("x "), "the message names the argument"


def test_decoder_checks_latent_shape():
    with pytest.raises(ValueError, match=r"\(N, 200\)"):
        Decoder()(torch.zeros(2, 1000))


def test_every_layer_has_its_own_activation_and_the_table_shows_each():
    model = build_autoencoder()
    activations = [m for m in model.modules() if isinstance(m, nn.ReLU)]
    assert len(activations) == 7 + 6 and len({id(m) for m in activations}) == 13
    table = layer_table(model, torch.zeros(2, 3, 32, 32))
    assert table.count("| ReLU |") == 13 and "encoder.net.1 |" in table and "encoder.net.3 |" in table
    assert "| decoder.conv.10 | ConvTranspose2d | (2, 3, 32, 32) | 435 |" in table


def test_the_code_s_activation_is_the_encoder_s():
    with pytest.raises(TypeError, match="activate_code"):
        Decoder(activate_code=False)
    linear = build_autoencoder(8, 4, activate_code=False)
    assert isinstance(linear.encoder.net[-1], nn.Identity) and "activate_code" not in linear.decoder.config
    assert isinstance(build_autoencoder(8, 4).encoder.net[-1], nn.ReLU), "the article's code is activated"
