import { mount } from '../ui/mount.js';
import { NotFound } from './NotFound.js';

mount(<NotFound />);
