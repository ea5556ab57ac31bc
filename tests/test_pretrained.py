"""The network lesson 8 transfers: shipped small, loadable with weights_only, actually trained,
and the few-label task it is transferred to."""

from __future__ import annotations

from importlib import resources

import pytest
import torch

from tutor.pretrained import FEATURES, PARITY_CLASSES, WEIGHTS, mnist_cnn, parity_loaders


def test_the_shipped_weights_are_small_and_load_with_weights_only() -> None:
    weights = resources.files("tutor.datasets").joinpath(WEIGHTS)
    assert weights.is_file() and len(weights.read_bytes()) < 300_000
    with weights.open("rb") as stream:
        state = torch.load(stream, weights_only=True)
    assert set(state) == set(mnist_cnn(pretrained=False).state_dict())


def test_the_pretrained_network_reads_digits_and_a_fresh_one_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TUTOR_DATA", "bundled")
    from tutor.data import dataset

    test = dataset("mnist", False, full=False)
    images = test.data.to(torch.float32).div(255).unsqueeze(1).sub(0.5).div(0.5)
    torch.manual_seed(0)
    with torch.no_grad():
        trained = (mnist_cnn()(images).argmax(1) == test.targets).float().mean().item()
        fresh = (mnist_cnn(pretrained=False)(images).argmax(1) == test.targets).float().mean()
    assert trained > 0.95 and fresh < 0.3
    assert mnist_cnn().features(images[:2]).shape == (2, FEATURES)


def test_the_parity_task_has_twenty_labels_and_the_whole_test_set() -> None:
    trainloader, testloader = parity_loaders()
    assert len(trainloader.dataset) == 20 and len(testloader.dataset) == 1000
    images, labels = next(iter(trainloader))
    assert images.shape == (10, 1, 28, 28) and set(labels.tolist()) <= {0, 1}
    assert float(images.min()) >= -1 and float(images.max()) <= 1
    all_labels = torch.cat([y for _, y in trainloader])
    assert int(all_labels.sum()) == 10  # 2 of each digit: 10 odd, 10 even
    assert trainloader.dataset.classes == PARITY_CLASSES


def test_torchvision_s_weights_keyword_is_accepted() -> None:
    trained = mnist_cnn(pretrained=True).state_dict()
    default = mnist_cnn(weights="DEFAULT").state_dict()
    assert all(torch.equal(trained[name], default[name]) for name in trained)
    torch.manual_seed(0)
    fresh = mnist_cnn(weights=None).features[0].weight
    assert not torch.equal(fresh, default["features.0.weight"])
    with pytest.raises(ValueError, match="weights='DEFAULT'"):
        mnist_cnn(weights="IMAGENET1K_V1")


def test_the_course_s_imagenet_networks_name_the_stand_in() -> None:
    from tutor import pretrained as models

    with pytest.raises(
        AttributeError, match=r"no `densenet121`.*models\.mnist_cnn\(pretrained=True\)"
    ):
        models.densenet121(pretrained=True)
    assert not hasattr(models, "resnet18")  # still an AttributeError, as hasattr expects
    with pytest.raises(AttributeError, match="has no attribute 'mnist'"):
        models.mnist  # noqa: B018 (other names fail as for any module)
